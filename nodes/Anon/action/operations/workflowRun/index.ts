import { resource } from '../../resource';
import * as get from './get';

export const workflowRun = resource({ name: 'Workflow Run', value: 'workflowRun' }, [get]);
