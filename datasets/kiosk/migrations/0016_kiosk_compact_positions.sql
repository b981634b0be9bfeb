-- Kiosk events keep their positions as (source_id, source_seq) (0015_position_source): the unique
-- index of every event table shrinks to two numbers a row. The staged verdicts carry the same two
-- columns, so load copies them as they are; staging is transient, converted only for the batches
-- that happen to be staged while this runs.
call compact_source_positions('rating_interaction', true);
call compact_source_positions('request_interaction', true);
call compact_source_positions('rejected_event', true);
call compact_source_positions('staged_kiosk_verdict', false);
