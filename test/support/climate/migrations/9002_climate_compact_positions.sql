-- The climate readings keep their positions as the product's datasets do (0015_position_source).
call compact_source_positions('climate_reading', true);
call compact_source_positions('climate_reject', true);
call compact_source_positions('staged_climate_verdict', false);
