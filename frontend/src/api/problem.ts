/** RFC 9457 problem details, as every server error answers. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  errors?: { field?: string; message?: string; key?: string; source?: string }[];
  [extra: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public problem: Problem,
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

export async function toApiError(res: Response): Promise<ApiError> {
  let problem: Problem = { status: res.status, title: res.statusText };
  try {
    const text = await res.text();
    if (text) problem = { ...problem, ...(JSON.parse(text) as Problem) };
  } catch {
    // a non-JSON error body keeps the status line
  }
  return new ApiError(res.status, problem);
}
