import { access, readdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Embedder } from "../embedding/ports.js";

/** A model directory that cannot be used; the service refuses to start. */
export class ModelDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelDirError";
  }
}

type FeatureExtractor = (
  texts: string[],
  options: { pooling: "mean"; normalize: boolean },
) => Promise<{ tolist(): number[][] }>;

interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline(
    task: "feature-extraction",
    model: string,
    options: Record<string, unknown>,
  ): Promise<FeatureExtractor>;
}

/**
 * Checks an exported sentence-transformer directory (Hugging Face layout:
 * config.json, tokenizer.json, onnx/model*.onnx) before anything loads.
 * @throws ModelDirError naming what is missing.
 */
export async function checkModelDir(dir: string): Promise<void> {
  const must = async (path: string, what: string) => {
    try {
      await access(path);
    } catch {
      throw new ModelDirError(`EMBEDDING_MODEL_DIR ${dir}: ${what} not found (${path})`);
    }
  };
  await must(dir, "directory");
  await must(join(dir, "config.json"), "config.json");
  await must(join(dir, "tokenizer.json"), "tokenizer.json");
  await must(join(dir, "onnx"), "onnx/ directory");
  const onnx = (await readdir(join(dir, "onnx"))).filter((f) => f.endsWith(".onnx"));
  if (onnx.length === 0) throw new ModelDirError(`EMBEDDING_MODEL_DIR ${dir}: no .onnx file in onnx/`);
}

/**
 * An ONNX sentence-transformer (e.g. all-MiniLM-L6-v2) run by @huggingface/transformers
 * from a local directory, mean-pooled and L2-normalised. Remote model downloads are
 * disabled: the image bakes the model in. The library is loaded only here, so the
 * default install does not carry its ~470 MB of runtimes.
 * @throws ModelDirError for a missing or unusable directory or library.
 */
export async function createOnnxEmbedder(dir: string, dimension: number): Promise<Embedder> {
  const abs = resolve(dir);
  await checkModelDir(abs);
  const name = "@huggingface/transformers";
  let tf: TransformersModule;
  try {
    tf = (await import(name)) as TransformersModule;
  } catch {
    throw new ModelDirError(`EMBEDDING_MODEL_DIR is set but ${name} is not installed (npm install ${name})`);
  }
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  tf.env.localModelPath = dirname(abs);
  let extract: FeatureExtractor;
  try {
    extract = await tf.pipeline("feature-extraction", basename(abs), { local_files_only: true });
  } catch (err) {
    throw new ModelDirError(`EMBEDDING_MODEL_DIR ${dir}: model failed to load (${(err as Error).message})`);
  }
  const embedBatch = async (texts: string[]) =>
    (await extract(texts, { pooling: "mean", normalize: true })).tolist();
  return {
    model: basename(abs),
    dimension,
    embedBatch,
    embed: async (text) => (await embedBatch([text]))[0] ?? [],
  };
}
