import { runJobsSuite } from "./jobs.suite.js";

runJobsSuite("pglite");
