# Builds the single krawall executable and ships it on a slim base.
FROM oven/bun:1.3 AS build
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun run build

FROM debian:bookworm-slim
RUN useradd --system --create-home krawall
COPY --from=build /app/dist/krawall /usr/local/bin/krawall
USER krawall
WORKDIR /home/krawall
ENV HOST=0.0.0.0 PORT=3000 KRAWALL_DATA_DIR=/home/krawall/data
EXPOSE 3000
ENTRYPOINT ["krawall"]
