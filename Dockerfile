# KotaHub image: the hub and the reference upstreams (`kotahub demo-sources`) share it.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never UV_NO_CACHE=1 UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/kotahub UV_PYTHON=/usr/local/bin/python3 PATH=/opt/kotahub/bin:$PATH
WORKDIR /src

# uv, pinned with its hashes, then the hub's dependencies from uv.lock, hashes checked.
COPY scripts/uv-requirements.txt scripts/
RUN pip install --require-hashes --no-deps -r scripts/uv-requirements.txt
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-default-groups --group assets --no-install-project

# GraphiQL's assets and the portal: npm ci with the committed lockfiles (the locked Node.js),
# into the package; the last sync installs the hub and leaves Node.js out of the image.
COPY graphiql/package.json graphiql/package-lock.json graphiql/
COPY portal/package.json portal/package-lock.json portal/
COPY portal/src/ portal/src/
COPY portal/operations/ portal/operations/
COPY scripts/ scripts/
COPY kotahub/ kotahub/
RUN python scripts/install_graphiql_assets.py \
 && python scripts/install_portal_assets.py \
 && uv sync --locked --no-default-groups --no-editable \
 && rm -rf graphiql/node_modules portal/node_modules /root/.npm

RUN useradd --system --uid 10001 kotahub && mkdir -p /data && chown kotahub /data
USER kotahub
WORKDIR /home/kotahub
EXPOSE 8000 8100
CMD ["kotahub", "serve"]
