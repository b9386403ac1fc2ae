import { resource } from '../../resource';
import * as get from './get';

export const job = resource({ name: 'Job', value: 'job' }, [get]);
