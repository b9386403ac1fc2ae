/** The action node's resources, in the order their parameters are listed (the Resource list itself is alphabetical). */
import { job } from './job/Job.resource';
import { link } from './link/Link.resource';
import { workflowRun } from './workflowRun/WorkflowRun.resource';

export const RESOURCES = [link, job, workflowRun];
