"""The benchmark's scenarios (bench/run.py runs them; `--only` picks them by name), one module
each: pages (the statement page served, against nginx static), weight (its bytes), render (the
uncached render), search (signatory search, and a sign-on while 100 connections search), mail
(confirmation mails delivered), comments and posts (comment and sign-on POSTs with wrk; posts
also on PostgreSQL: postgres), thread (a comment under a short and a long discussion), export
(the CSV export), viral (the viral day: readers at full speed while sign-ons and comments arrive
at a fixed pace). checks and posting hold what several of them share."""
