import { fileURLToPath } from 'node:url';
import path from 'node:path';

// Works from src/ (vitest, tsx) and from dist/ (the installed CLI): both sit one level below the root.
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const templatesDir = path.join(projectRoot, 'templates');
