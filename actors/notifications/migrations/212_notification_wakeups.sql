-- New fan-out jobs and new sends wake the notification workers of every process (see
-- 211_webhook_wakeups.sql for notify_work_queued and why).
CREATE TRIGGER notification_jobs_queued AFTER INSERT ON notification_jobs
  FOR EACH ROW EXECUTE FUNCTION notify_work_queued('notification_jobs_queued');

CREATE TRIGGER notification_sends_queued AFTER INSERT ON notification_sends
  FOR EACH ROW EXECUTE FUNCTION notify_work_queued('notification_sends_queued');
