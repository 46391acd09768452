/** JetStreamStateStore against a real nats-server (a fresh bucket per test). */
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { JetStreamStateStore } from "../engine/state_store_jetstream.ts";
import { systemNatsUrl, uniquePrefix } from "./helpers/nats.ts";
import { stateStoreContract } from "./helpers/state_store_contract.ts";

stateStoreContract("jetstream", async () => {
  const nc = await connect({ servers: await systemNatsUrl() });
  const bucket = uniquePrefix("state_test");
  const store = await JetStreamStateStore.open(nc, { bucket });
  return {
    store,
    close: async () => {
      await store.close();
      await (await new Kvm(nc).open(bucket)).destroy();
      await nc.close();
    },
  };
});
