-- Pinterest outcomes keep their positions as (source_id, source_seq) (0015_position_source), as
-- the kiosk events do (0016); the staged verdicts too, so load reads them as they are.
call compact_source_positions('pinterest.row_origin', true);
call compact_source_positions('pinterest.duplicate_record', true);
call compact_source_positions('pinterest.rejected_record', true);
call compact_source_positions('staged_pinterest_verdict', false);
