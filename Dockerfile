# KotaHub image: the hub and the reference upstreams (`kotahub demo-sources`) share it.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src

# GraphiQL's assets first: npm ci with the committed lockfile (Node.js from PyPI), into the package.
COPY graphiql/package.json graphiql/package-lock.json graphiql/
COPY scripts/ scripts/
COPY pyproject.toml README.md ./
COPY kotahub/ kotahub/
RUN python scripts/install_graphiql_assets.py \
 && pip install . \
 && rm -rf graphiql/node_modules /root/.npm

RUN useradd --system --uid 10001 kotahub && mkdir -p /data && chown kotahub /data
USER kotahub
WORKDIR /home/kotahub
EXPOSE 8000 8100
CMD ["kotahub", "serve"]
