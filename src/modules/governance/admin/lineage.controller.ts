import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { AdminAuthGuard } from '../access/admin-auth.guard';
import { RequirePermission } from '../access/require-permission';
import { LineageService } from '../registry/lineage.service';

@Controller('admin/lineage')
@UseGuards(AdminAuthGuard)
export class LineageController {
  constructor(private readonly lineage: LineageService) {}

  @Get('requests/:requestId')
  @RequirePermission('lineage', 'read')
  forRequest(@Param('requestId') requestId: string) {
    return this.lineage.forRequest(requestId);
  }

  @Get('snapshots/:snapshotId')
  @RequirePermission('lineage', 'read')
  forSnapshot(@Param('snapshotId') snapshotId: string) {
    return this.lineage.forSnapshot(snapshotId);
  }

  @Get('models/:id')
  @RequirePermission('lineage', 'read')
  forModel(@Param('id') id: string) {
    return this.lineage.forModel(id);
  }
}
