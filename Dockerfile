# The embedding service ("Node container"): Engram's embedder with an ONNX
# sentence-transformer baked in at build time. Nothing is downloaded at run time.
#
#   docker build -t engram-embedder --build-arg MODEL_DIR=models/all-MiniLM-L6-v2 .
#
# MODEL_DIR is a directory in the build context holding a Hugging Face export of the
# model (config.json, tokenizer.json, onnx/model.onnx). Leave it unset to build an
# image that serves the built-in local embedder.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
 && npm install --no-save --ignore-scripts @huggingface/transformers@4.3.1

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production EMBEDDER_HOST=0.0.0.0 EMBEDDER_PORT=8788
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
ARG MODEL_DIR=""
COPY ${MODEL_DIR:-src/embedder}/ /models/engram-model/
# Point EMBEDDING_MODEL_DIR at the baked model only when one was given.
RUN if [ -n "$MODEL_DIR" ]; then echo "EMBEDDING_MODEL_DIR=/models/engram-model" > /app/.model.env; else rm -rf /models/engram-model && touch /app/.model.env; fi
USER node
EXPOSE 8788
HEALTHCHECK --interval=10s --timeout=2s --start-period=60s CMD node -e "fetch('http://127.0.0.1:8788/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "set -a; . /app/.model.env; set +a; exec node --import tsx src/embedder/main.ts"]
