ALTER TABLE "assessments" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "session_shards" ADD COLUMN "load_generator" jsonb;