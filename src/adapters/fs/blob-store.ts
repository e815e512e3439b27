import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assertBlobKey, assertBlobPrefix, type BlobStore } from "../../blobs/ports.js";
import { uuidv7 } from "../../lib/ids.js";

const META = ".meta.json";

/**
 * Blobs as files under `root` (the Node default). Each object is written to a
 * temporary file and renamed into place, so a reader never sees half an object;
 * its content type lives in a sidecar file.
 */
export function createFsBlobStore(root: string): BlobStore {
  const pathOf = (key: string) => join(root, ...key.split("/"));
  return {
    async put(key, body, opts) {
      assertBlobKey(key);
      const file = pathOf(key);
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${uuidv7()}.tmp`;
      await writeFile(`${tmp}${META}`, JSON.stringify({ contentType: opts.contentType }), { mode: 0o600 });
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(`${tmp}${META}`, `${file}${META}`);
      await rename(tmp, file);
    },
    async get(key) {
      assertBlobKey(key);
      const file = pathOf(key);
      try {
        const body = new Uint8Array(await readFile(file));
        const meta = JSON.parse(await readFile(`${file}${META}`, "utf8")) as { contentType?: string };
        return { body, contentType: meta.contentType ?? "application/octet-stream" };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
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
      const dir = pathOf(prefix.slice(0, -1));
      let entries: { name: string; isFile(): boolean }[];
      try {
        entries = await readdir(dir, { recursive: true, withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
        throw err;
      }
      const count = entries.filter(
        (e) => e.isFile() && !e.name.endsWith(META) && !e.name.endsWith(".tmp"),
      ).length;
      await rm(dir, { recursive: true, force: true });
      return count;
    },
  };
}
