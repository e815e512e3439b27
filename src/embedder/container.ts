import { Container } from "@cloudflare/containers";

/**
 * The embedding service as a Cloudflare Container (built from ./Dockerfile). The
 * Worker calls it through the EMBEDDER Durable Object binding; an idle instance
 * sleeps after ten minutes and the next call starts it again.
 */
export class EmbedderContainer extends Container {
  override defaultPort = 8788;
  override sleepAfter = "10m";
}
