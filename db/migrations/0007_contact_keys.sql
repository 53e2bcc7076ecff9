-- Contacts are matched by a key: an e-mail whatever its letter case (core/contacts.ts contactKey folds ASCII
-- letters the same way `translate` does here, whatever the database's locale).
ALTER TABLE "contacts" ADD COLUMN "key" text;--> statement-breakpoint
UPDATE "contacts" SET "key" = CASE WHEN "kind" = 'email'
  THEN translate("value", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') ELSE "value" END;--> statement-breakpoint
-- Accounts made before this under one mailbox in two spellings (olga@… and OLGA@…): the key goes to the row whose
-- owner proved it (verified contact, activated account with a password), then to a registered account over an
-- imported holder, then to the oldest. Each other row keeps its value under a key naming its account (it is
-- reached by its other contact) and the collision is in the audit log, with the account that kept the key.
WITH "ranked" AS (
  SELECT c."kind", c."value", c."account_id",
    first_value(c."account_id") OVER w AS "kept",
    row_number() OVER w AS "n"
  FROM "contacts" AS c JOIN "accounts" AS a ON a."id" = c."account_id"
  WINDOW w AS (
    PARTITION BY c."kind", c."key"
    ORDER BY (c."verified_at" IS NOT NULL AND a."activated_at" IS NOT NULL AND a."password_hash" IS NOT NULL) DESC,
      (a."password_hash" IS NOT NULL) DESC, c."created_at", c."account_id"
  )
), "moved" AS (
  UPDATE "contacts" AS c SET "key" = c."key" || '#collision:' || c."account_id"
  FROM "ranked" AS r
  WHERE r."n" > 1 AND c."kind" = r."kind" AND c."value" = r."value"
  RETURNING c."account_id", c."kind", r."kept"
)
INSERT INTO "audit_log" ("account_id", "actor", "action", "details")
SELECT "account_id", 'migration:0007', 'contact.case_collision', jsonb_build_object('kind', "kind", 'keptBy', "kept")
FROM "moved";--> statement-breakpoint
ALTER TABLE "contacts" ALTER COLUMN "key" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "contacts" DROP CONSTRAINT "contacts_kind_value_pk";--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_kind_key_pk" PRIMARY KEY("kind","key");--> statement-breakpoint
-- During a rolling deploy, instances still on the previous release insert contacts without a key: it is made here
-- the same way, so their registrations go on working (and stay unique by key).
CREATE FUNCTION "contacts_default_key"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."key" IS NULL THEN
    NEW."key" := CASE WHEN NEW."kind" = 'email'
      THEN translate(NEW."value", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') ELSE NEW."value" END;
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "contacts_default_key" BEFORE INSERT ON "contacts" FOR EACH ROW EXECUTE FUNCTION "contacts_default_key"();
