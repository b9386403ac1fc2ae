/** The Workflow Run resource: its operations, in the order of its Operation list (the first is the default). */
import { resource } from '../resource';
import * as getWorkflowRun from './getWorkflowRun.operation';

export const workflowRun = resource({ name: 'Workflow Run', value: 'workflowRun' }, [getWorkflowRun]);
