import { runRetentionSuite } from "./retention.suite.js";

runRetentionSuite("pglite");
