import { fuzzEveryRoute } from "./fuzz.suite";

// Property tests on every route (≥ 200 generated requests each; KEYFORM_FUZZ_RUNS to change) on SQLite.
// The MySQL run is fuzz.mysql.test.ts, a separate file so that the two run in parallel.
fuzzEveryRoute("sqlite");
