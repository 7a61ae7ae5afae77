CREATE TYPE "public"."auth_type" AS ENUM('NONE', 'BEARER_TOKEN', 'API_KEY', 'BASIC_AUTH', 'CUSTOM_HEADER', 'OAUTH2');--> statement-breakpoint
CREATE TYPE "public"."connector_type" AS ENUM('HTTP_REST', 'WEBSOCKET', 'GRPC', 'SSE');--> statement-breakpoint
CREATE TYPE "public"."delivery_status" AS ENUM('PENDING', 'DELIVERED', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."session_status" AS ENUM('PENDING', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED');--> statement-breakpoint
CREATE TABLE "scenarios" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"category" text,
	"flow_config" jsonb NOT NULL,
	"error_handling" jsonb,
	"repetitions" integer DEFAULT 1 NOT NULL,
	"concurrency" integer DEFAULT 1 NOT NULL,
	"delay_between_ms" integer DEFAULT 0 NOT NULL,
	"verbosity_level" text DEFAULT 'normal' NOT NULL,
	"message_templates" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"target_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scheduled_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"scenario_id" text NOT NULL,
	"target_id" text,
	"cron_expression" text NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"is_enabled" boolean DEFAULT true NOT NULL,
	"last_run_at" timestamp with time zone,
	"next_run_at" timestamp with time zone,
	"last_session_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"seq" integer NOT NULL,
	"conversation_index" integer NOT NULL,
	"turn_index" integer NOT NULL,
	"step_id" text,
	"request_content" text NOT NULL,
	"response_content" text,
	"sent_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone,
	"ttft_ms" double precision,
	"response_time_ms" double precision,
	"http_status" integer,
	"success" boolean NOT NULL,
	"error_type" text,
	"error_message" text,
	"retries" integer DEFAULT 0 NOT NULL,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"total_tokens" integer,
	"cached_tokens" integer,
	"tokens_estimated" boolean DEFAULT false NOT NULL,
	"cost_usd" double precision,
	"repetition_score" double precision
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"target_id" text NOT NULL,
	"scenario_id" text,
	"status" "session_status" DEFAULT 'PENDING' NOT NULL,
	"execution_config" jsonb NOT NULL,
	"log_path" text,
	"summary_metrics" jsonb,
	"messages_total" integer DEFAULT 0 NOT NULL,
	"messages_completed" integer DEFAULT 0 NOT NULL,
	"error_count" integer DEFAULT 0 NOT NULL,
	"conversations_total" integer DEFAULT 0 NOT NULL,
	"conversations_completed" integer DEFAULT 0 NOT NULL,
	"tokens_total" integer DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"worker_id" text,
	"heartbeat_at" timestamp with time zone,
	"error" text,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "targets" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"connector_type" "connector_type" NOT NULL,
	"endpoint" text NOT NULL,
	"auth_type" "auth_type" DEFAULT 'NONE' NOT NULL,
	"auth_config" jsonb,
	"request_template" jsonb NOT NULL,
	"response_template" jsonb NOT NULL,
	"protocol_config" jsonb,
	"pricing" jsonb,
	"preset_id" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"last_test_at" timestamp with time zone,
	"last_test_success" boolean,
	"last_test_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"webhook_id" text NOT NULL,
	"event" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" "delivery_status" DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"status_code" integer,
	"error" text,
	"next_retry_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"url" text NOT NULL,
	"events" text[] NOT NULL,
	"secret" jsonb NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"retry_policy" jsonb,
	"thresholds" jsonb,
	"disabled_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "scenarios" ADD CONSTRAINT "scenarios_target_id_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."targets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_jobs" ADD CONSTRAINT "scheduled_jobs_scenario_id_scenarios_id_fk" FOREIGN KEY ("scenario_id") REFERENCES "public"."scenarios"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_jobs" ADD CONSTRAINT "scheduled_jobs_target_id_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."targets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_jobs" ADD CONSTRAINT "scheduled_jobs_last_session_id_sessions_id_fk" FOREIGN KEY ("last_session_id") REFERENCES "public"."sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_messages" ADD CONSTRAINT "session_messages_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_target_id_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."targets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_scenario_id_scenarios_id_fk" FOREIGN KEY ("scenario_id") REFERENCES "public"."scenarios"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "scenarios_category_idx" ON "scenarios" USING btree ("category");--> statement-breakpoint
CREATE INDEX "scenarios_is_active_idx" ON "scenarios" USING btree ("is_active");--> statement-breakpoint
CREATE INDEX "scenarios_target_id_idx" ON "scenarios" USING btree ("target_id");--> statement-breakpoint
CREATE INDEX "scheduled_jobs_scenario_id_idx" ON "scheduled_jobs" USING btree ("scenario_id");--> statement-breakpoint
CREATE INDEX "scheduled_jobs_due_idx" ON "scheduled_jobs" USING btree ("is_enabled","next_run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "session_messages_session_seq_idx" ON "session_messages" USING btree ("session_id","seq");--> statement-breakpoint
CREATE INDEX "session_messages_session_conv_idx" ON "session_messages" USING btree ("session_id","conversation_index");--> statement-breakpoint
CREATE INDEX "sessions_target_id_idx" ON "sessions" USING btree ("target_id");--> statement-breakpoint
CREATE INDEX "sessions_scenario_id_idx" ON "sessions" USING btree ("scenario_id");--> statement-breakpoint
CREATE INDEX "sessions_status_idx" ON "sessions" USING btree ("status");--> statement-breakpoint
CREATE INDEX "sessions_created_at_idx" ON "sessions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "targets_is_active_idx" ON "targets" USING btree ("is_active");--> statement-breakpoint
CREATE INDEX "targets_connector_type_idx" ON "targets" USING btree ("connector_type");--> statement-breakpoint
CREATE INDEX "targets_created_at_idx" ON "targets" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_webhook_id_idx" ON "webhook_deliveries" USING btree ("webhook_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_status_idx" ON "webhook_deliveries" USING btree ("status");