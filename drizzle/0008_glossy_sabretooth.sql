CREATE TABLE "assessments" (
	"id" text PRIMARY KEY NOT NULL,
	"target_id" text NOT NULL,
	"status" text DEFAULT 'QUEUED' NOT NULL,
	"probes" jsonb NOT NULL,
	"limits" jsonb NOT NULL,
	"options" jsonb NOT NULL,
	"estimate" jsonb NOT NULL,
	"progress" jsonb NOT NULL,
	"spent" jsonb NOT NULL,
	"findings" jsonb NOT NULL,
	"headline" jsonb,
	"error" text,
	"stop_reason" text,
	"worker_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "assessments" ADD CONSTRAINT "assessments_target_id_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."targets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "assessments_created_at_idx" ON "assessments" USING btree ("created_at");