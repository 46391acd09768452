/**
 * One call that opens the relational store (Postgres with DATABASE_URL, else PGlite under
 * DATA_DIR), runs migrations, and builds what the routers and the room actors need:
 *
 *   const ae = await openAccountsAndEconomy({ config, tokens, log });
 *   roomActorType({ ..., giftLedger: ae.ledger });         // gifts: group commit per tick
 *   createApp({ ..., identity: ae.accounts.resolver,        // users and guests alike
 *               accounts: ae.accounts, economy: ae.economy });
 *   await ae.close();                                        // on shutdown, after the engine
 */
import { SqlGiftLedger } from "../../actors/economy/gift_ledger.ts";
import { DevPaymentProvider, type PaymentProvider } from "../../actors/economy/payment_provider.ts";
import { openStore } from "../../engine/sql/open_store.ts";
import { appMigrations } from "./migrations.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";
import type { Config } from "./config.ts";
import type { Logger } from "../../engine/log.ts";
import type { TokenSigner } from "../auth/tokens.ts";
import type { EconomyDeps } from "../routes/economy.ts";
import { bootstrapAdmins } from "../accounts/roles.ts";
import { type Accounts, createAccounts } from "../accounts/service.ts";

export interface AccountsAndEconomy {
  store: SqlStore;
  accounts: Accounts;
  economy: EconomyDeps;
  ledger: SqlGiftLedger;
  close(): Promise<void>;
}

export async function openAccountsAndEconomy(opts: {
  config: Config;
  tokens: TokenSigner;
  log: Logger;
  /** The real payment provider; default: the dev provider (instant credit). */
  payments?: PaymentProvider;
}): Promise<AccountsAndEconomy> {
  const { config, tokens, log } = opts;
  const store = await openStore(config, await appMigrations(), (line) => log.info(line));
  if (config.BOOTSTRAP_ADMINS.length) {
    try {
      await bootstrapAdmins(store, config.BOOTSTRAP_ADMINS, log.child({ component: "accounts" }));
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  const accounts = createAccounts({
    store,
    tokens,
    config,
    log: log.child({ component: "accounts" }),
  });
  const economyLog = log.child({ component: "economy" });
  return {
    store,
    accounts,
    economy: {
      store,
      resolver: accounts.resolver,
      payments: opts.payments ?? new DevPaymentProvider(),
      devTopUpForAll: config.DEV_TOPUP,
      withdrawals: {
        minAmount: BigInt(config.WITHDRAWAL_MIN_AMOUNT),
        maxPending: config.WITHDRAWAL_MAX_PENDING,
      },
      log: economyLog,
    },
    ledger: new SqlGiftLedger(store, {
      commissionBps: config.GIFT_COMMISSION_BPS,
      log: economyLog,
    }),
    close: () => store.close(),
  };
}
