-- Contacts are matched by a key: an e-mail whatever its letter case (core/contacts.ts contactKey folds ASCII
-- letters the same way `translate` does here, whatever the database's locale).
ALTER TABLE "contacts" ADD COLUMN "key" text;--> statement-breakpoint
UPDATE "contacts" SET "key" = CASE WHEN "kind" = 'email'
  THEN translate("value", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') ELSE "value" END;--> statement-breakpoint
-- Accounts made before this under one mailbox in two spellings (olga@… and OLGA@…): the oldest keeps the key; each
-- later one keeps its row under a key naming its account (found by that account's other contact, or by an operator)
-- and the collision is written to the audit log for an operator to resolve.
WITH "ranked" AS (
  SELECT "kind", "value", "account_id", row_number() OVER (PARTITION BY "kind", "key" ORDER BY "created_at", "account_id") AS "n"
  FROM "contacts"
), "moved" AS (
  UPDATE "contacts" AS c SET "key" = c."key" || '#collision:' || c."account_id"
  FROM "ranked" AS r
  WHERE r."n" > 1 AND c."kind" = r."kind" AND c."value" = r."value"
  RETURNING c."account_id", c."kind"
)
INSERT INTO "audit_log" ("account_id", "actor", "action", "details")
SELECT "account_id", 'migration:0007', 'contact.case_collision', jsonb_build_object('kind', "kind") FROM "moved";--> statement-breakpoint
ALTER TABLE "contacts" ALTER COLUMN "key" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "contacts" DROP CONSTRAINT "contacts_kind_value_pk";--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_kind_key_pk" PRIMARY KEY("kind","key");
