CREATE TABLE "batches" (
	"id" text PRIMARY KEY NOT NULL,
	"scenario_id" text NOT NULL,
	"target_ids" text[] NOT NULL,
	"execution_config" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "scheduled_jobs" ADD COLUMN "regression" jsonb;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "batch_id" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "schedule_id" text;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_scenario_id_scenarios_id_fk" FOREIGN KEY ("scenario_id") REFERENCES "public"."scenarios"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batches_created_at_idx" ON "batches" USING btree ("created_at");--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sessions_batch_id_idx" ON "sessions" USING btree ("batch_id");--> statement-breakpoint
CREATE INDEX "sessions_schedule_id_idx" ON "sessions" USING btree ("schedule_id","created_at");