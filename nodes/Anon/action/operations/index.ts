import { job } from './job';
import { link } from './link';
import { workflowRun } from './workflowRun';

/** The action node's resources, in the order their parameters are listed (the Resource list itself is alphabetical). */
export const RESOURCES = [link, job, workflowRun];
