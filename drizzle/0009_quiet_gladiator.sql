CREATE TABLE "session_shards" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"shard_index" integer NOT NULL,
	"shard_count" integer NOT NULL,
	"status" "session_status" DEFAULT 'QUEUED' NOT NULL,
	"worker_id" text,
	"heartbeat_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"error" text,
	"stop_reason" text,
	"messages_completed" integer DEFAULT 0 NOT NULL,
	"error_count" integer DEFAULT 0 NOT NULL,
	"conversations_completed" integer DEFAULT 0 NOT NULL,
	"conversations_started" integer,
	"dropped_conversations" integer DEFAULT 0 NOT NULL,
	"tokens_total" integer DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "session_timeseries" ADD COLUMN "shard" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "budget_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "budget_cost_usd" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "session_shards" ADD CONSTRAINT "session_shards_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "session_shards_session_shard_idx" ON "session_shards" USING btree ("session_id","shard_index");