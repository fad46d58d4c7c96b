/**
 * Brands that phishing and payment scams impersonate most, written for mtakit from common
 * knowledge. `names` are matched as whole words in a From display name; `tokens` are looked for
 * in domains (a hyphenated word of the label, or a look-alike of one); `domains` are the registrable domains the
 * brand really sends from. Ambiguous words (Apple, Chase, Norton are also fruit, names and
 * surnames) appear only with a qualifier. A starting point, not a feed: the content and links
 * stages take a replacement through their `brands` option.
 */
export interface Brand {
  name: string;
  /** Lowercase words or phrases that name the brand in a display name. */
  names: readonly string[];
  /** Lowercase words (5+ characters) that name the brand in a domain label. */
  tokens: readonly string[];
  /** Registrable domains the brand sends mail and hosts pages from. */
  domains: readonly string[];
}

export const BRANDS: readonly Brand[] = [
  { name: 'PayPal', names: ['paypal'], tokens: ['paypal'], domains: ['paypal.com', 'paypal.me', 'paypal-communication.com'] },
  {
    name: 'Microsoft', names: ['microsoft', 'office 365', 'microsoft 365', 'm365', 'onedrive', 'sharepoint', 'outlook team'],
    tokens: ['microsoft', 'office365', 'onedrive', 'sharepoint'],
    domains: ['microsoft.com', 'office.com', 'office365.com', 'microsoftonline.com', 'outlook.com', 'live.com', 'sharepoint.com', 'onedrive.com'],
  },
  { name: 'Apple', names: ['apple id', 'apple support', 'apple pay', 'icloud', 'itunes', 'app store'], tokens: ['icloud', 'itunes', 'appleid'], domains: ['apple.com', 'icloud.com', 'me.com'] },
  {
    name: 'Amazon', names: ['amazon', 'prime video'], tokens: ['amazon'],
    domains: ['amazon.com', 'amazon.co.uk', 'amazon.de', 'amazon.fr', 'amazon.it', 'amazon.es', 'amazon.ca', 'amazon.co.jp', 'amazon.in', 'amazon.com.au',
      'media-amazon.com', 'ssl-images-amazon.com', 'amazon-adsystem.com'],
  },
  { name: 'Netflix', names: ['netflix'], tokens: ['netflix'], domains: ['netflix.com'] },
  { name: 'DocuSign', names: ['docusign'], tokens: ['docusign'], domains: ['docusign.com', 'docusign.net'] },
  { name: 'Google', names: ['google', 'gmail team'], tokens: [], domains: ['google.com', 'youtube.com'] },
  { name: 'Meta', names: ['facebook', 'instagram', 'whatsapp'], tokens: ['facebook', 'instagram', 'whatsapp'], domains: ['facebook.com', 'facebook.net', 'facebookmail.com', 'instagram.com', 'whatsapp.com', 'meta.com'] },
  { name: 'LinkedIn', names: ['linkedin'], tokens: ['linkedin'], domains: ['linkedin.com'] },
  { name: 'Dropbox', names: ['dropbox'], tokens: ['dropbox'], domains: ['dropbox.com', 'dropboxmail.com'] },
  { name: 'Adobe', names: ['adobe sign', 'adobe acrobat', 'adobe document cloud'], tokens: ['adobesign'], domains: ['adobe.com', 'adobesign.com'] },
  { name: 'DHL', names: ['dhl'], tokens: [], domains: ['dhl.com', 'dhl.de'] },
  { name: 'FedEx', names: ['fedex'], tokens: ['fedex'], domains: ['fedex.com'] },
  { name: 'UPS', names: ['ups my choice', 'ups delivery'], tokens: [], domains: ['ups.com'] },
  { name: 'USPS', names: ['usps'], tokens: [], domains: ['usps.com', 'usps.gov'] },
  { name: 'Royal Mail', names: ['royal mail'], tokens: ['royalmail'], domains: ['royalmail.com'] },
  { name: 'Norton', names: ['norton 360', 'norton lifelock', 'nortonlifelock', 'norton antivirus', 'norton security', 'norton billing', 'norton support'], tokens: ['nortonlifelock'], domains: ['norton.com', 'nortonlifelock.com', 'gen.digital'] },
  { name: 'McAfee', names: ['mcafee'], tokens: ['mcafee'], domains: ['mcafee.com'] },
  { name: 'Geek Squad', names: ['geek squad', 'geeksquad'], tokens: ['geeksquad'], domains: ['bestbuy.com', 'geeksquad.com'] },
  { name: 'Coinbase', names: ['coinbase'], tokens: ['coinbase'], domains: ['coinbase.com'] },
  { name: 'Binance', names: ['binance'], tokens: ['binance'], domains: ['binance.com'] },
  { name: 'MetaMask', names: ['metamask'], tokens: ['metamask'], domains: ['metamask.io', 'consensys.io'] },
  { name: 'Tether', names: ['tether', 'usdt'], tokens: ['tether'], domains: ['tether.to'] },
  { name: 'Wells Fargo', names: ['wells fargo'], tokens: ['wellsfargo'], domains: ['wellsfargo.com'] },
  { name: 'Bank of America', names: ['bank of america'], tokens: ['bankofamerica'], domains: ['bankofamerica.com', 'bofa.com'] },
  { name: 'Chase', names: ['chase bank', 'jpmorgan chase', 'chase online'], tokens: ['jpmorganchase'], domains: ['chase.com', 'jpmorgan.com', 'jpmorganchase.com'] },
  { name: 'HSBC', names: ['hsbc'], tokens: [], domains: ['hsbc.com', 'hsbc.co.uk'] },
  { name: 'Barclays', names: ['barclays'], tokens: ['barclays'], domains: ['barclays.com', 'barclays.co.uk'] },
  { name: 'IRS', names: ['irs', 'internal revenue service'], tokens: [], domains: ['irs.gov'] },
  { name: 'HMRC', names: ['hmrc'], tokens: [], domains: ['hmrc.gov.uk'] },
  { name: 'Coca-Cola', names: ['coca-cola', 'coca cola'], tokens: ['cocacola'], domains: ['coca-cola.com', 'coca-colacompany.com'] },
  { name: 'Walmart', names: ['walmart'], tokens: ['walmart'], domains: ['walmart.com'] },
  { name: 'eBay', names: ['ebay'], tokens: [], domains: ['ebay.com', 'ebay.co.uk', 'ebay.de', 'ebay.ca', 'ebay.com.au', 'ebay.fr', 'ebay.it', 'ebaystatic.com', 'ebaydesc.com'] },
  { name: 'Citibank', names: ['citibank', 'citi cards', 'citigroup'], tokens: ['citibank'], domains: ['citi.com', 'citibank.com', 'citigroup.com', 'citicards.com'] },
  { name: 'Capital One', names: ['capital one'], tokens: ['capitalone'], domains: ['capitalone.com'] },
  { name: 'U.S. Bank', names: ['us bank', 'u.s. bank'], tokens: [], domains: ['usbank.com'] },
  { name: 'Wachovia', names: ['wachovia'], tokens: ['wachovia'], domains: ['wachovia.com', 'wellsfargo.com'] },
  { name: 'Washington Mutual', names: ['washington mutual', 'wamu'], tokens: [], domains: ['wamu.com', 'chase.com'] },
  { name: 'Lloyds', names: ['lloyds bank', 'lloyds tsb'], tokens: ['lloydstsb'], domains: ['lloydsbank.com', 'lloydsbank.co.uk', 'lloydstsb.com', 'lloydstsb.co.uk'] },
  { name: 'NatWest', names: ['natwest'], tokens: ['natwest'], domains: ['natwest.com'] },
  { name: 'Halifax', names: ['halifax bank', 'halifax online'], tokens: [], domains: ['halifax.co.uk', 'halifax-online.co.uk'] },
  { name: 'Santander', names: ['santander'], tokens: ['santander'], domains: ['santander.co.uk', 'santander.com', 'santanderbank.com'] },
  { name: 'RBC', names: ['rbc royal bank', 'royal bank of canada'], tokens: [], domains: ['rbc.com', 'rbcroyalbank.com', 'royalbank.com'] },
  { name: 'TD Bank', names: ['td bank', 'td canada trust'], tokens: ['tdcanadatrust'], domains: ['td.com', 'tdbank.com', 'tdcanadatrust.com'] },
  { name: 'Desjardins', names: ['desjardins'], tokens: ['desjardins'], domains: ['desjardins.com'] },
  { name: 'Scotiabank', names: ['scotiabank'], tokens: ['scotiabank'], domains: ['scotiabank.com'] },
  { name: 'American Express', names: ['american express', 'amex'], tokens: ['americanexpress'], domains: ['americanexpress.com', 'aexp.com'] },
  { name: 'Yahoo', names: ['yahoo mail', 'yahoo account', 'yahoo! mail'], tokens: [], domains: ['yahoo.com', 'yahoo-inc.com'] },
  { name: 'Steam', names: ['steam support', 'steam community', 'steampowered'], tokens: ['steampowered', 'steamcommunity'], domains: ['steampowered.com', 'steamcommunity.com'] },
];
