// The admin portal's Network page (/network): the sites and the devices standing in them.
import { type ContributionProps, Link, PageFrame } from '@dotmac/ui';
import { useState } from 'react';
import { DevicesSection } from './DevicesSection.tsx';
import { SitesSection } from './SitesSection.tsx';
import { useSites } from './use-sites.ts';

export default function Network(_props: ContributionProps) {
  const [generation, setGeneration] = useState(0);
  const changed = () => setGeneration((n) => n + 1);
  const sites = useSites(generation);
  return (
    <PageFrame title="Network" actions={<Link to="/network/pools">Address pools</Link>}>
      <SitesSection reloadKey={generation} onChange={changed} />
      <DevicesSection sites={sites} reloadKey={generation} onChange={changed} />
    </PageFrame>
  );
}
