-- Catalog, users, interactions, dead letters and dataset snapshots.

CREATE TABLE "movie" (
    "id" TEXT NOT NULL,
    "tmdb_id" INTEGER,
    "imdb_id" TEXT,
    "title" TEXT NOT NULL,
    "original_title" TEXT,
    "adult" BOOLEAN NOT NULL DEFAULT false,
    "genres" JSONB NOT NULL DEFAULT '[]',
    "original_language" TEXT,
    "overview" TEXT,
    "popularity" DOUBLE PRECISION,
    "release_date" TEXT,
    "runtime" INTEGER,
    "spoken_languages" JSONB NOT NULL DEFAULT '[]',
    "vote_average" DOUBLE PRECISION,
    "vote_count" INTEGER,
    "budget" BIGINT,
    "revenue" BIGINT,
    "status" TEXT,
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "movie_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "app_user" (
    "id" INTEGER NOT NULL,
    "age" INTEGER,
    "occupation" TEXT,
    "gender" TEXT,
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "watch_aggregate" (
    "user_id" INTEGER NOT NULL,
    "movie_id" TEXT NOT NULL,
    "max_minute" INTEGER NOT NULL,
    "first_seen_at" TIMESTAMP(3) NOT NULL,
    "last_seen_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "watch_aggregate_pkey" PRIMARY KEY ("user_id", "movie_id")
);
CREATE INDEX "watch_aggregate_last_seen_at_idx" ON "watch_aggregate"("last_seen_at");

CREATE TABLE "rating_event" (
    "user_id" INTEGER NOT NULL,
    "movie_id" TEXT NOT NULL,
    "rated_at" TIMESTAMP(3) NOT NULL,
    "rating" INTEGER NOT NULL,
    CONSTRAINT "rating_event_pkey" PRIMARY KEY ("user_id", "movie_id", "rated_at")
);
CREATE INDEX "rating_event_rated_at_idx" ON "rating_event"("rated_at");

CREATE TABLE "rating" (
    "user_id" INTEGER NOT NULL,
    "movie_id" TEXT NOT NULL,
    "rating" INTEGER NOT NULL,
    "rated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "rating_pkey" PRIMARY KEY ("user_id", "movie_id")
);

CREATE TABLE "recommendation_log" (
    "id" BIGSERIAL NOT NULL,
    "line_hash" TEXT NOT NULL,
    "request_id" TEXT,
    "user_id" INTEGER NOT NULL,
    "requested_at" TIMESTAMP(3) NOT NULL,
    "model_version" TEXT,
    "status" INTEGER NOT NULL,
    "items" TEXT[],
    "latency_ms" INTEGER NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'stream',
    CONSTRAINT "recommendation_log_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "recommendation_log_line_hash_key" ON "recommendation_log"("line_hash");
CREATE INDEX "recommendation_log_user_id_requested_at_idx" ON "recommendation_log"("user_id", "requested_at");
CREATE INDEX "recommendation_log_request_id_idx" ON "recommendation_log"("request_id");

CREATE TABLE "dead_letter" (
    "id" BIGSERIAL NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "offset" TEXT NOT NULL,
    "raw" BYTEA NOT NULL,
    "reason" TEXT NOT NULL,
    "detail" TEXT,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "dead_letter_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "dead_letter_topic_partition_offset_key" ON "dead_letter"("topic", "partition", "offset");
CREATE INDEX "dead_letter_reason_idx" ON "dead_letter"("reason");

CREATE TABLE "dataset_snapshot" (
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "range_start" TIMESTAMP(3),
    "cutoff" TIMESTAMP(3) NOT NULL,
    "schema_version" INTEGER NOT NULL,
    "row_counts" JSONB NOT NULL,
    "content_hash" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    CONSTRAINT "dataset_snapshot_pkey" PRIMARY KEY ("id")
);
