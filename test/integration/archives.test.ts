import { runArchivesSuite } from "./archives.suite.js";

runArchivesSuite("pglite", "memory");
