//! One dispatch plan for every kernel family: a list of (kernel, bind group, workgroups),
//! recorded into one compute pass (timed when a profile runs) and submitted. Families that run
//! many steps before reading back (recall's sweeps) record the same plan several times into one
//! pass with [`record`] and poll between submissions.

use super::{GpuContext, Kernel};

/// One dispatch: a kernel, its bind group and its workgroup counts along x and y (see
/// [`GpuContext::spread_groups`] for counts beyond one dimension's limit).
pub struct Dispatch<'k> {
    pub kernel: &'k Kernel,
    pub group: wgpu::BindGroup,
    pub workgroups: (u32, u32),
}

impl<'k> Dispatch<'k> {
    pub fn new(kernel: &'k Kernel, group: wgpu::BindGroup, workgroups: (u32, u32)) -> Self {
        Dispatch {
            kernel,
            group,
            workgroups,
        }
    }
}

/// Records `plan` into `pass`, setting a pipeline only where the kernel changes.
pub fn record(pass: &mut wgpu::ComputePass, plan: &[Dispatch]) {
    let mut current: Option<&Kernel> = None;
    for dispatch in plan {
        if !current.is_some_and(|kernel| std::ptr::eq(kernel, dispatch.kernel)) {
            pass.set_pipeline(&dispatch.kernel.pipeline);
            current = Some(dispatch.kernel);
        }
        pass.set_bind_group(0, &dispatch.group, &[]);
        pass.dispatch_workgroups(dispatch.workgroups.0, dispatch.workgroups.1, 1);
    }
}

impl GpuContext {
    /// Runs up to `steps` steps, step `k` being `plan_of(k)`: `per_submission` steps recorded
    /// into one pass and submitted, then `finished` asked (it reads back what it needs) whether
    /// to stop. Returns the steps run. For iterations that end on their own (recall's sweeps):
    /// a few steps a submission keep the GPU busy without running far past the end.
    pub fn run_steps<'a, 'k: 'a>(
        &self,
        steps: u32,
        per_submission: u32,
        plan_of: impl Fn(u32) -> &'a [Dispatch<'k>],
        mut finished: impl FnMut() -> crate::Result<bool>,
    ) -> crate::Result<u32> {
        let mut done = 0u32;
        while done < steps {
            let count = per_submission.max(1).min(steps - done);
            let mut encoder = self.device.create_command_encoder(&Default::default());
            {
                let mut pass = self.begin_pass(&mut encoder);
                for step in done..done + count {
                    record(&mut pass, plan_of(step));
                }
            }
            self.queue.submit([encoder.finish()]);
            done += count;
            if finished()? {
                break;
            }
        }
        Ok(done)
    }

    /// Records `plan` in one compute pass and submits it.
    pub fn submit(&self, plan: &[Dispatch]) {
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = self.begin_pass(&mut encoder);
            record(&mut pass, plan);
        }
        self.queue.submit([encoder.finish()]);
    }
}
