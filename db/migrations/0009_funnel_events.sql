CREATE TABLE "funnel_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"preset" text NOT NULL,
	"flow" text NOT NULL,
	"life" text NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"step" text NOT NULL,
	"reason" text
);
--> statement-breakpoint
CREATE INDEX "funnel_events_flow_idx" ON "funnel_events" USING btree ("preset","flow","at");--> statement-breakpoint
CREATE INDEX "funnel_events_life_idx" ON "funnel_events" USING btree ("life","flow","seq");--> statement-breakpoint
CREATE INDEX "funnel_events_at_idx" ON "funnel_events" USING btree ("at");