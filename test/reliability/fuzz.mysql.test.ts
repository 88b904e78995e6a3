import { fuzzEveryRoute } from "./fuzz.suite";

// The same property tests as fuzz.test.ts, on MySQL.
fuzzEveryRoute("mysql");
