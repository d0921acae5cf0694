// Writes the clouds.yaml the operator and the openstack CLI use to reach the simulator.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import yaml from 'js-yaml';

import type { SimConfig } from './config.ts';

export function cloudsYaml(config: SimConfig, url: string): string {
    const cloud = {
        auth: {
            auth_url: `${url}/identity/v3`,
            username: config.adminUser,
            password: config.adminPassword,
            project_name: config.adminProject,
            user_domain_name: 'Default',
            project_domain_name: 'Default',
        },
        region_name: config.region,
        interface: 'public',
        identity_api_version: 3,
    };
    return yaml.dump({ clouds: { [config.cloudName]: cloud } });
}

export function writeCloudsYaml(config: SimConfig, url: string): string {
    mkdirSync(dirname(config.cloudsYamlPath), { recursive: true });
    writeFileSync(config.cloudsYamlPath, cloudsYaml(config, url), { mode: 0o600 });
    return config.cloudsYamlPath;
}
