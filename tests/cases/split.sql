-- a captured workload with everything that can hide a semicolon
SELECT 1;
/* block ; comment /* nested ; */ still comment */ SELECT 'a;b', "we;ird" FROM t;
SELECT $$dollar ; quoted$$, $tag$ also ; $$ inside $tag$ FROM t WHERE a = $1;
SELECT E'it\'s; escaped', 'it''s; doubled'
  FROM t
  WHERE b = 2;
-- only a comment ;
UPDATE t SET c = 3 WHERE id = 4
