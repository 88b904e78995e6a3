import { describeReplicas } from "../reliability/replicas.suite";
import { freshGaleraDatabase } from "./cluster";
import { describeGaleraFaults } from "./faults.suite";
import { describeGaleraStore } from "./store.suite";

// keyform on the project's 3-node multi-primary Galera cluster (test/galera/cluster.sh up; `.ci/run`
// starts it and sets KEYFORM_TEST_GALERA=1, without which jest does not collect this folder). One file,
// so its parts run one after another: the fault injection must not disturb the other parts.
describeGaleraStore();

describeReplicas("replicas on three Galera nodes, one replica per node", async () => {
  const db = await freshGaleraDatabase();
  return { urls: db.urls, drop: db.drop };
});

describeGaleraFaults();
