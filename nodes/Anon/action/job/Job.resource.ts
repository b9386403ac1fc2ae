/** The Job resource: its operations, in the order of its Operation list (the first is the default). */
import { resource } from '../resource';
import * as getJob from './getJob.operation';

export const job = resource({ name: 'Job', value: 'job' }, [getJob]);
