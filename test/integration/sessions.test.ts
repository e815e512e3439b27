import { runSessionsSuite } from "./sessions.suite.js";

runSessionsSuite("pglite");
