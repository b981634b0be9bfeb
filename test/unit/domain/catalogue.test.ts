import { describe, expect, it } from 'vitest';
import {
  REFERENCE_CATALOGUE,
  catalogueFromPublicIds,
  siteOfPublicId,
  siteToPublicId,
} from '../../../datasets/kiosk/rules';

describe('catalogue', () => {
  it('writes site numbers with at least two digits', () => {
    expect(siteToPublicId(5)).toBe('EXH_05');
    expect(siteToPublicId(12)).toBe('EXH_12');
    expect(siteToPublicId(123)).toBe('EXH_123');
    expect(() => siteToPublicId(-1)).toThrow(RangeError);
    expect(siteOfPublicId('EXH_05')).toBe(5);
    expect(siteOfPublicId('EXH_5')).toBeUndefined();
  });

  it('builds the lookup, preferring the canonical spelling when two ids name one site', () => {
    const c = catalogueFromPublicIds(['EXH_005', 'EXH_05', 'EXH_0012']);
    expect(c.get(5)).toBe('EXH_05');
    expect(c.get(12)).toBe('EXH_0012');
    expect(catalogueFromPublicIds(['EXH_05', 'EXH_005']).get(5)).toBe('EXH_05');
    expect(() => catalogueFromPublicIds(['EXH_5'])).toThrow(RangeError);
  });

  it('holds the reference table EXH_00..EXH_05', () => {
    expect(REFERENCE_CATALOGUE.map((e) => e.publicId)).toEqual([
      'EXH_00',
      'EXH_01',
      'EXH_02',
      'EXH_03',
      'EXH_04',
      'EXH_05',
    ]);
    expect(REFERENCE_CATALOGUE[1]).toEqual({
      publicId: 'EXH_01',
      name: 'Adaptation',
      floor: 'Vault',
      department: 'Entomology',
      startDate: '2019-07-01',
    });
  });
});
