import { freshDatabase } from "../support/db";
import { describeReplicas } from "./replicas.suite";

describeReplicas("replicas sharing one MySQL database", async () => {
  const db = await freshDatabase("mysql");
  return { urls: [db.url], drop: db.drop };
});
