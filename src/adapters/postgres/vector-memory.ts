import { isUniqueViolation, type SqlClient, SqlError } from "../../db/ports.js";
import { withOrg } from "../../db/tenant.js";
import { sha256Hex } from "../../lib/crypto.js";
import { AppError } from "../../lib/errors.js";
import { isUuid } from "../../lib/ids.js";
import type { RetrievedDocument, VectorMemory } from "../../memory/ports.js";
import { applyAnnSettings } from "../../memory/search/ann.js";
import { byScoreThenId, checkDocuments, checkVector, searchBounds } from "../../memory/vectors.js";

export interface PgVectorMemoryOptions {
  sql: SqlClient;
  /** Backend extension: every read and write is scoped to one org and agent. */
  orgId: string;
  agentId: string;
  /** Must match the `memories.embedding` column (384 in schema v1). */
  dimension: number;
  /** Category given to stored documents (memories require one). */
  category?: "factual" | "preference" | "behavioral" | "episodic" | "procedural";
  embeddingModel?: string;
}

const vectorLiteral = (v: readonly number[]) => `[${v.join(",")}]`;

/**
 * VectorMemory over the `memories` table with pgvector cosine distance. Ids must be
 * UUIDs; content is unique per agent among active documents (the exact-dedup index),
 * so storing the same content under a second id is a CONFLICT. delete() is soft.
 */
export function createPgVectorMemory(o: PgVectorMemoryOptions): VectorMemory {
  return {
    dimension: o.dimension,
    async store(docs) {
      checkDocuments(docs, o.dimension);
      const bad = docs.find((d) => !isUuid(d.id));
      if (bad) throw new AppError("INVALID_ARGUMENT", "document ids must be UUIDs for the pgvector backend");
      const hashes = await Promise.all(docs.map((d) => sha256Hex(d.content)));
      try {
        await withOrg(o.sql, o.orgId, async (tx) => {
          for (const [i, d] of docs.entries()) {
            await tx.query(
              `INSERT INTO memories (id, org_id, agent_id, content, content_hash, embedding, embedding_model, category, metadata)
               VALUES ($1, $2, $3, $4, $5, $6::vector, $7, $8, $9)
               ON CONFLICT (id) DO UPDATE SET content = EXCLUDED.content, content_hash = EXCLUDED.content_hash,
                 embedding = EXCLUDED.embedding, embedding_model = EXCLUDED.embedding_model,
                 metadata = EXCLUDED.metadata, status = 'active', deleted_at = NULL, updated_at = now()
               WHERE memories.org_id = EXCLUDED.org_id AND memories.agent_id = EXCLUDED.agent_id`,
              [
                d.id,
                o.orgId,
                o.agentId,
                d.content,
                hashes[i],
                vectorLiteral(d.embedding),
                o.embeddingModel ?? null,
                o.category ?? "factual",
                JSON.stringify(d.metadata ?? {}),
              ],
            );
          }
        });
      } catch (err) {
        if (isUniqueViolation(err, "memories_active_hash_key")) {
          throw new AppError("CONFLICT", "an active document with the same content exists");
        }
        if (err instanceof SqlError && err.sqlState?.startsWith("23")) {
          throw new AppError("INVALID_ARGUMENT", "document violates a storage constraint", { cause: err });
        }
        throw err;
      }
    },
    async search(embedding, options) {
      checkVector(embedding, o.dimension);
      const { topK, threshold } = searchBounds(options);
      if (topK === 0) return [];
      return withOrg(o.sql, o.orgId, async (tx) => {
        // pgvector 0.8: keep scanning the index until enough rows pass the filters.
        await applyAnnSettings(tx, "strict_order");
        const { rows } = await tx.query<{ id: string; content: string; metadata: unknown; score: number }>(
          `SELECT id, content, metadata, 1 - (embedding <=> $1::vector) AS score
             FROM memories
            WHERE org_id = $2 AND agent_id = $3 AND status = 'active' AND deleted_at IS NULL
              AND embedding IS NOT NULL
              AND ($5::float8 IS NULL OR 1 - (embedding <=> $1::vector) > $5::float8)
            ORDER BY embedding <=> $1::vector
            LIMIT $4`,
          [vectorLiteral(embedding), o.orgId, o.agentId, topK, threshold],
        );
        const hits: RetrievedDocument[] = rows.map((r) => {
          const metadata = (typeof r.metadata === "string" ? JSON.parse(r.metadata) : r.metadata) as Record<
            string,
            unknown
          >;
          const hit: RetrievedDocument = { id: String(r.id), content: r.content, score: Number(r.score) };
          // An empty metadata object and no metadata are the same document.
          if (metadata && Object.keys(metadata).length > 0) hit.metadata = metadata;
          return hit;
        });
        return hits.sort(byScoreThenId);
      });
    },
    async delete(ids) {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return;
      await withOrg(o.sql, o.orgId, (tx) =>
        tx.query(
          "UPDATE memories SET deleted_at = now(), updated_at = now() WHERE org_id = $1 AND agent_id = $2 AND id = ANY($3::uuid[])",
          [o.orgId, o.agentId, valid],
        ),
      );
    },
  };
}
