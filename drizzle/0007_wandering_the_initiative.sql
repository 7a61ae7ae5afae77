CREATE TABLE "session_timeseries" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"started" integer DEFAULT 0 NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"dropped" integer DEFAULT 0 NOT NULL,
	"in_flight" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"errors_by_type" jsonb NOT NULL,
	"rate_limited" integer DEFAULT 0 NOT NULL,
	"prompt_tokens" double precision DEFAULT 0 NOT NULL,
	"completion_tokens" double precision DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"response_time_sketch" text,
	"ttft_sketch" text
);
--> statement-breakpoint
ALTER TABLE "session_timeseries" ADD CONSTRAINT "session_timeseries_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "session_timeseries_session_ts_idx" ON "session_timeseries" USING btree ("session_id","ts");