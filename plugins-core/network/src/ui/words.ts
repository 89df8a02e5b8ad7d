// How the network screens write the plugin's enum values for people.

const WORDS: Readonly<Record<string, string>> = {
  pop: 'POP',
  tower: 'Tower',
  datacenter: 'Datacenter',
  cabinet: 'Street cabinet',
  'customer-premises': 'Customer premises',
  nas: 'NAS',
  router: 'Router',
  olt: 'OLT',
  'access-point': 'Access point',
  switch: 'Switch',
  cpe: 'CPE',
  other: 'Other',
  mikrotik: 'MikroTik',
  cisco: 'Cisco',
  juniper: 'Juniper',
  huawei: 'Huawei',
  ubiquiti: 'Ubiquiti',
  cambium: 'Cambium',
  nokia: 'Nokia',
  ipv4: 'IPv4',
  ipv6: 'IPv6',
  dynamic: 'Dynamic',
  static: 'Static',
  reservation: 'Reservation',
};

/** `customer-premises` → `Customer premises`; an unknown value as it is. */
export const wordFor = (value: string): string => WORDS[value] ?? value;
