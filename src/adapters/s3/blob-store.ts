import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { assertBlobKey, assertBlobPrefix, type BlobStore, collectListing } from "../../blobs/ports.js";
import { mapS3Error } from "./errors.js";

/** Where the bucket is and how to reach it (from S3_* configuration). */
export interface S3BlobStoreOptions {
  bucket: string;
  /** The S3 API endpoint (R2: `https://<account>.r2.cloudflarestorage.com`); AWS when absent. */
  endpoint?: string;
  /** `auto` for R2; the bucket's region on AWS; anything for MinIO. */
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key` (MinIO, local servers). */
  forcePathStyle?: boolean;
}

// S3 caps ListObjectsV2 pages and DeleteObjects batches at 1,000 keys.
const PAGE = 1000;
// User metadata (`x-amz-meta-encoding`) holding the content encoding the object was put with.
const ENCODING_META = "encoding";

/**
 * DeleteObjects is the one call S3 requires a body checksum on. The SDK now sends a
 * CRC32 header for it, which MinIO releases and other S3-compatible servers refuse
 * with MissingContentMD5; AWS and R2 accept the Content-MD5 every server knows. So
 * this request carries Content-MD5 instead (the SDK's own MD5, on every runtime),
 * added after the SDK's checksum step and before signing.
 */
function withContentMd5(command: DeleteObjectsCommand, client: S3Client): void {
  const { md5: Md5, base64Encoder } = client.config;
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      const headers = request.headers;
      if (headers && typeof request.body === "string") {
        for (const name of Object.keys(headers)) {
          const lower = name.toLowerCase();
          if (lower.startsWith("x-amz-checksum-") || lower.startsWith("x-amz-sdk-checksum-")) {
            delete headers[name];
          }
        }
        const hash = new Md5();
        hash.update(request.body);
        headers["content-md5"] = base64Encoder(await hash.digest());
      }
      return next(args);
    },
    { step: "build", priority: "low", name: "contentMd5ForDeleteObjects" },
  );
}

/**
 * Blobs in an S3-compatible bucket (AWS S3, R2's S3 API, MinIO). Connects lazily;
 * the only store here that can pre-sign URLs (B7).
 * @throws AppError UNAVAILABLE (retryable) on transport errors, throttling and 5xx;
 *   AppError INTERNAL (not retryable) when the store refuses the request.
 */
export function createS3BlobStore(opts: S3BlobStoreOptions): BlobStore {
  let client: S3Client | undefined;
  const s3 = () => {
    client ??= new S3Client({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.forcePathStyle ?? false,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      // Three tries with backoff inside one call; past that the job's own retries take over.
      maxAttempts: 3,
      retryMode: "standard",
      // A stalled connection fails the call (and the job retries) instead of hanging it.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
      // Since v3.729 the SDK adds a CRC32 checksum to every upload it can (as a header,
      // or an aws-chunked trailer on streamed bodies) and validates response checksums.
      // Several S3-compatible servers reject those headers or that encoding, or answer
      // without the checksums the SDK then expects; so checksums are sent and checked
      // only where the S3 API requires one (DeleteObjects, see withContentMd5).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    return client;
  };
  const Bucket = opts.bucket;

  const listPages = async function* (prefix: string): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      const page = await s3()
        .send(new ListObjectsV2Command({ Bucket, Prefix: prefix, MaxKeys: PAGE, ContinuationToken: token }))
        .catch(mapS3Error);
      yield (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  };

  return {
    async put(key, body, { contentType, contentEncoding }) {
      assertBlobKey(key);
      await s3()
        .send(
          new PutObjectCommand({
            Bucket,
            Key: key,
            Body: body,
            ContentLength: body.byteLength,
            ContentType: contentType,
            // The header makes pre-signed downloads decode as HTTP clients expect; the
            // metadata copy is what `get` reads back (see there).
            ...(contentEncoding
              ? { ContentEncoding: contentEncoding, Metadata: { [ENCODING_META]: contentEncoding } }
              : {}),
          }),
        )
        .catch(mapS3Error);
    },

    async get(key) {
      assertBlobKey(key);
      try {
        // Workers' fetch decodes any response labelled `Content-Encoding: gzip`, which
        // would hand back decompressed bytes (B5). The label is overridden to `identity`
        // for this read, and the stored encoding comes from the object's metadata.
        const res = await s3().send(
          new GetObjectCommand({ Bucket, Key: key, ResponseContentEncoding: "identity" }),
        );
        const body = res.Body ? await res.Body.transformToByteArray() : new Uint8Array(0);
        const header = res.ContentEncoding === "identity" ? undefined : res.ContentEncoding;
        const encoding = res.Metadata?.[ENCODING_META] ?? header;
        return {
          body,
          contentType: res.ContentType ?? "application/octet-stream",
          ...(encoding ? { contentEncoding: encoding } : {}),
        };
      } catch (err) {
        const name = (err as { name?: unknown }).name;
        if (name === "NoSuchKey" || name === "NotFound") return null;
        return mapS3Error(err);
      }
    },

    async delete(key) {
      assertBlobKey(key);
      // S3 answers 204 for a missing key (B2).
      await s3()
        .send(new DeleteObjectCommand({ Bucket, Key: key }))
        .catch(mapS3Error);
    },

    async deletePrefix(prefix) {
      assertBlobPrefix(prefix);
      // Collect first: deleting while paging would shift the listing under the cursor.
      const keys: string[] = [];
      for await (const page of listPages(prefix)) keys.push(...page);
      for (let i = 0; i < keys.length; i += PAGE) {
        const batch = keys.slice(i, i + PAGE);
        const command = new DeleteObjectsCommand({
          Bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        });
        withContentMd5(command, s3());
        const res = await s3().send(command).catch(mapS3Error);
        // Per-key failures carry no status: mapped as UNAVAILABLE, so the job retries
        // (deleting again is harmless).
        if (res.Errors?.length) mapS3Error({ name: res.Errors[0]?.Code ?? "DeleteObjectsError" });
      }
      return keys.length;
    },

    async list(prefix, onPage) {
      assertBlobPrefix(prefix);
      return collectListing(listPages(prefix), onPage);
    },

    async presignGet(key, expiresInSeconds) {
      assertBlobKey(key);
      const expiresAt = Date.now() + expiresInSeconds * 1000;
      const url = await getSignedUrl(s3(), new GetObjectCommand({ Bucket, Key: key }), {
        expiresIn: expiresInSeconds,
      }).catch(mapS3Error);
      return { url, expiresAt };
    },
  };
}
