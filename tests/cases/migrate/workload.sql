-- The statements tests/cases/migrate/report.json points at (file:line locations for CI output).
-- (Each statement sits on the line its report entry names.)
SELECT * FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20;
--
SELECT * FROM "Task" WHERE "projectId" = 7 ORDER BY "createdAt" DESC NULLS LAST LIMIT 50;
--
SELECT id FROM customers WHERE email LIKE 'ann%';
--
SELECT sum(total) FROM orders WHERE status = 'pending' AND is_deleted = false;
--
SELECT id FROM customers WHERE lower(email) = 'ann@example.com';
--
SELECT * FROM shop.events WHERE kind = 'login' AND at > now() - interval '1 day';
--
SELECT id FROM "user" WHERE "group" = 'admins';
