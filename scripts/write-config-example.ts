import { writeFileSync } from 'node:fs';
import { configExample } from '../src/config/configExample.ts';

writeFileSync(new URL('../config.example.json', import.meta.url), configExample());
