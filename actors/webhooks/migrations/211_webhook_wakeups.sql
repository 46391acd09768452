-- Work queued in the database wakes the workers of every process, not only of the one that
-- queued it: a row of new work sends a NOTIFY on its queue's channel (delivered
-- when its transaction commits, once per channel and transaction), and each process whose
-- worker LISTENs nudges it (edge/wiring/work_wakeups.ts). Idle workers back off to 10 s
-- between polls; without this, work only another process knew of waited that long.
CREATE FUNCTION notify_work_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_ARGV[0], '');
  RETURN NULL;
END
$$;

CREATE TRIGGER webhook_deliveries_queued AFTER INSERT ON webhook_deliveries
  FOR EACH ROW EXECUTE FUNCTION notify_work_queued('webhook_deliveries_queued');

-- A manual redelivery makes a delivery due now.
CREATE TRIGGER webhook_deliveries_redelivered AFTER UPDATE OF manual ON webhook_deliveries
  FOR EACH ROW WHEN (NEW.manual AND NOT OLD.manual)
  EXECUTE FUNCTION notify_work_queued('webhook_deliveries_queued');
