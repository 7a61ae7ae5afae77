ALTER TABLE "sessions" ADD COLUMN "rollup_sketches" jsonb;--> statement-breakpoint
UPDATE "sessions" SET "rollup_sketches" = "rollup"->'sketches', "rollup" = "rollup" - 'sketches' WHERE "rollup" ? 'sketches';
