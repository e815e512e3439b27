import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { assertBlobKey, assertBlobPrefix, type BlobStore } from "../../blobs/ports.js";
import { redactedCause } from "../../lib/errors.js";
import { uuidv7 } from "../../lib/ids.js";

const META = ".meta.json";

/** What the sidecar file next to each object holds. */
interface Meta {
  contentType?: string;
  contentEncoding?: string;
}

const missing = (err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  // ENOTDIR: the prefix names a file, so nothing lies under it.
  return code === "ENOENT" || code === "ENOTDIR";
};

/**
 * A filesystem error as thrown on: its class and code (EACCES, ENOSPC), without the
 * message and `path`, which hold the full path of the object — org, agent and the
 * gateway's session id — and would reach a log. Other errors (an invalid key) pass.
 */
async function pathless<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException | null)?.code === "string") throw redactedCause(err);
    throw err;
  }
}

/**
 * Blobs as files under `root` (the Node default). Each object is written to a
 * temporary file and renamed into place, so a reader never sees half an object;
 * its content type and encoding live in a sidecar file. Its errors carry no paths.
 */
export function createFsBlobStore(root: string): BlobStore {
  const files = filesUnder(root);
  return {
    put: (key, body, opts) => pathless(() => files.put(key, body, opts)),
    get: (key) => pathless(() => files.get(key)),
    delete: (key) => pathless(() => files.delete(key)),
    deletePrefix: (prefix) => pathless(() => files.deletePrefix(prefix)),
    list: (prefix) => pathless(() => files.list(prefix)),
  };
}

function filesUnder(root: string): BlobStore {
  const pathOf = (key: string) => join(root, ...key.split("/"));

  /** The object files under a prefix (not sidecars, not writes in progress), as keys. */
  const keysUnder = async (prefix: string): Promise<string[] | null> => {
    const dir = pathOf(prefix.slice(0, -1));
    let entries: { name: string; parentPath: string; isFile(): boolean }[];
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
    return entries
      .filter((e) => e.isFile() && !e.name.endsWith(META) && !e.name.endsWith(".tmp"))
      .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join("/"));
  };

  return {
    async put(key, body, opts) {
      assertBlobKey(key);
      const file = pathOf(key);
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${uuidv7()}.tmp`;
      const meta: Meta = { contentType: opts.contentType };
      if (opts.contentEncoding) meta.contentEncoding = opts.contentEncoding;
      await writeFile(`${tmp}${META}`, JSON.stringify(meta), { mode: 0o600 });
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(`${tmp}${META}`, `${file}${META}`);
      await rename(tmp, file);
    },
    async get(key) {
      assertBlobKey(key);
      const file = pathOf(key);
      try {
        const body = new Uint8Array(await readFile(file));
        const meta = JSON.parse(await readFile(`${file}${META}`, "utf8")) as Meta;
        return {
          body,
          contentType: meta.contentType ?? "application/octet-stream",
          ...(meta.contentEncoding ? { contentEncoding: meta.contentEncoding } : {}),
        };
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async delete(key) {
      assertBlobKey(key);
      const file = pathOf(key);
      await rm(file, { force: true });
      await rm(`${file}${META}`, { force: true });
    },
    async deletePrefix(prefix) {
      assertBlobPrefix(prefix);
      const keys = await keysUnder(prefix);
      if (!keys) return 0;
      await rm(pathOf(prefix.slice(0, -1)), { recursive: true, force: true });
      return keys.length;
    },
    async list(prefix) {
      assertBlobPrefix(prefix);
      return ((await keysUnder(prefix)) ?? []).sort();
    },
  };
}
