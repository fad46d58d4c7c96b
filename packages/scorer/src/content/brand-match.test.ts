import { describe, expect, it } from 'vitest';
import { BRANDS } from '../lists/brands.js';
import { BrandMatcher } from './brand-match.js';

const brands = new BrandMatcher(BRANDS);

describe('brand matching', () => {
  it('finds a brand named in a display name, as a whole word and in any case or spacing', () => {
    expect(brands.named('PayPal Billing')?.name).toBe('PayPal');
    expect(brands.named('Coca Cola Anniversary Promotion')?.name).toBe('Coca-Cola');
    expect(brands.named('Geek Squad')?.name).toBe('Geek Squad');
  });

  it('needs a qualifier for brand names that are also ordinary words or surnames', () => {
    expect(brands.named('Apple Valley Farms')).toBeUndefined();
    expect(brands.named('Graham Norton Fan Club')).toBeUndefined();
    expect(brands.named('Chase Miller')).toBeUndefined();
    expect(brands.named('Apple Support')?.name).toBe('Apple');
    expect(brands.named('Norton 360 Billing')?.name).toBe('Norton');
    expect(brands.named('PayPalooza Festival')).toBeUndefined();
  });

  it('knows the domains a brand really uses, subdomains included', () => {
    const paypal = brands.named('PayPal')!;
    expect(brands.official(paypal, 'mail.paypal.com')).toBe(true);
    expect(brands.official(paypal, 'paypal-billing-center.example')).toBe(false);
  });

  it('finds domains that borrow a brand name or a look-alike of it', () => {
    expect(brands.imitated('paypal-billing-center.example')?.name).toBe('PayPal');
    expect(brands.imitated('secure.paypa1.example')?.name).toBe('PayPal');
    expect(brands.imitated('rnicrosoft-login.example')?.name).toBe('Microsoft');
    expect(brands.imitated('netflix-accounts-billing.example')?.name).toBe('Netflix');
  });

  it('leaves the brands\' own domains, their run-together CDN domains and dictionary neighbours alone', () => {
    expect(brands.imitated('email.paypal.com')).toBeUndefined();
    expect(brands.imitated('amazonaws.com')).toBeUndefined();
    expect(brands.imitated('dropboxusercontent.com')).toBeUndefined();
    expect(brands.imitated('tallybook-finance.example')).toBeUndefined(); // "finance" is not "binance"
    expect(brands.imitated('acme-cloud.example')).toBeUndefined(); // nor "cloud" "icloud"
  });

  it('takes a custom list', () => {
    const custom = new BrandMatcher([{ name: 'Acme', names: ['acme'], tokens: ['acmebank'], domains: ['acme.example'] }]);
    expect(custom.named('Acme Security')?.name).toBe('Acme');
    expect(custom.named('PayPal')).toBeUndefined();
    expect(custom.imitated('acmebank-login.example')?.name).toBe('Acme');
  });
});
