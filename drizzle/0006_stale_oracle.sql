ALTER TABLE "session_messages" ADD COLUMN "scheduled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "dropped_conversations" integer DEFAULT 0 NOT NULL;